/**
 * How the API runner gets its nodes: a launcher starts (or finds) node i and gives the
 * runner its API; the runner drives every node the same way through the API driver.
 * `local` spawns `liberation start` processes on 127.0.0.1; `attach` takes nodes that are
 * already running (a cluster's pods) by their API URLs.
 */
import type { ApiDriver } from '../drivers/api.ts'

export interface NodeUsage {
  /** CPU so far over every incarnation, ms */
  cpuMs: number
  rssBytes: number
  peakRssBytes: number
}

export interface Launcher {
  /** the stack line of the report */
  readonly stack: string
  /** notes for the report (what this launcher cannot measure or do) */
  readonly notes: string[]
  /** peer id of node i, for every node the scenario may start */
  readonly peerIds: string[]
  /** true when nodes can be stopped and started (kills, churn) */
  readonly canStopNodes: boolean
  /** start (or reach) node i; `links` are the neighbours it should dial */
  start(i: number, links: number[]): Promise<ApiDriver>
  stop(i: number, how: 'crash' | 'graceful'): Promise<void>
  /** undefined where the launcher cannot see the node's process */
  usage(i: number): NodeUsage | undefined
  close(): Promise<void>
}
