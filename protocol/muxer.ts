/**
 * The stream muxer every mesh node uses (yamux), with the receive window of a stream
 * capped at MAX_STREAM_WINDOW_BYTES instead of yamux's 16 MiB.
 *
 * The window is what a peer may have in flight on a stream that this node does not read:
 * a reader that pauses (the topology exchange, pacing a neighbour to its byte budget)
 * holds at most one window, and libp2p resets a stream whose unread bytes pass 4 MiB. A
 * window that grew to 16 MiB while the reader kept up would make a pause end in a reset,
 * and let 16 MiB of a flood into memory first. 1 MiB still fills a 100 ms path at 10 MiB/s.
 */
import { yamux } from '@libp2p/yamux'

export const MAX_STREAM_WINDOW_BYTES = 1024 * 1024

export function meshMuxer (): ReturnType<typeof yamux> {
  return yamux({ streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW_BYTES } })
}
