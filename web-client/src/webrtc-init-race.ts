/**
 * Works around a race in `@libp2p/webrtc` (6.0.33) between two browsers.
 *
 * The dialling side opens a data channel labelled 'init' and, once ICE is connected,
 * waits for that channel's 'open' event. The answering side closes 'init' the moment it
 * arrives. In Chromium the close can reach the dialler before it has fired 'open'; the
 * channel then never opens and the dial hangs until its timeout (6 s per address),
 * although both ends are connected. Between two tabs on one machine this is common.
 *
 * The fix delays closing a *received* 'init' channel by a moment, so the dialler always
 * sees it open first. Channels this page creates itself are closed at once as before.
 */

const INIT_LABEL = 'init'
const CLOSE_DELAY_MS = 500

let installed = false

export function installInitChannelFix (): void {
  const Peer = (globalThis as any).RTCPeerConnection as typeof RTCPeerConnection | undefined
  const Channel = (globalThis as any).RTCDataChannel as typeof RTCDataChannel | undefined
  if (installed || Peer == null || Channel == null) { return }
  installed = true
  const created = new WeakSet<RTCDataChannel>()
  const createDataChannel = Peer.prototype.createDataChannel
  Peer.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = createDataChannel.call(this, label, init)
    created.add(channel)
    return channel
  }
  const close = Channel.prototype.close
  Channel.prototype.close = function (this: RTCDataChannel) {
    if (this.label === INIT_LABEL && !created.has(this) && this.readyState === 'open') {
      setTimeout(() => { close.call(this) }, CLOSE_DELAY_MS)
      return
    }
    close.call(this)
  }
}
