/**
 * What the scenario runner asks of one node, whoever runs it: the in-process driver calls
 * the node's services directly (drivers/in-process.ts), the API driver goes through its
 * HTTP API (drivers/api.ts). The workload loop (workload.ts) drives both through this.
 */
export interface NodeDriver {
  /** post a truth message on `channel`; resolves once the node stored and sent it */
  postTruth(content: string, channel: string): Promise<{ id: string }>
  /** register a human in the distribution ledger */
  registerHuman(id: string): Promise<void>
}
