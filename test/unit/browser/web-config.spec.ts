/**
 * The browser node's settings and address rules, run in Node: page URL parameters over the
 * served config, refusal of bad values, the connection gater (configured loopback relays
 * allowed, other private or plain-ws addresses refused), the discovery stamp, and the
 * WebRTC address derived from a relayed connection.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { configFrom, ConfigError, rankBootstrap } from '../../../web-client/src/config.ts'
import { webrtcAddressVia } from '../../../web-client/src/direct-upgrade.ts'
import { HELLO_FIELD, isHello, timeField } from '../../../web-client/src/discovery.ts'
import { createConnectionGater, transportPart } from '../../../web-client/src/libp2p.ts'
import { transportOf } from '../../../web-client/src/source/tab.ts'

const NODE = '12D3KooWQrL57Be9rcED9nXEhtZTQ2GE6nxkyWdZ6aWL4teeQ1Ar'
const TAB = '12D3KooWSS6XYjyBNpLZCDozDqzGjKdzdUcsLAHA2CKwVX3iBidC'
const RELAY = `/ip4/127.0.0.1/tcp/4102/ws/p2p/${NODE}`

describe('web client config', () => {
  it('takes bootstrap and ICE servers from the URL over the served config', () => {
    const served = { bootstrap: [`/ip4/10.0.0.5/tcp/4102/ws/p2p/${NODE}`, RELAY], iceServers: ['stun:stun.example.org:3478'] }
    const fromServed = configFrom(new URLSearchParams(''), served, '127.0.0.1')
    // the address at the page's own host first
    expect(fromServed.bootstrap).toEqual([RELAY, served.bootstrap[0]])
    expect(fromServed.iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }])
    expect(fromServed.requestMedia).toBe(false)

    const fromUrl = configFrom(new URLSearchParams(`bootstrap=${encodeURIComponent(RELAY)}&ice=none&media=1&profile=work`), served, '127.0.0.1')
    expect(fromUrl).toMatchObject({ bootstrap: [RELAY], iceServers: [], requestMedia: true, profile: 'work' })
    // no served config and no URL ICE servers: libp2p's defaults
    expect(configFrom(new URLSearchParams(''), undefined, 'x').iceServers).toBeUndefined()
    expect(rankBootstrap(['/ip4/1.2.3.4/tcp/1/ws/p2p/a', '/dns/mesh.example/tcp/1/ws/p2p/a'], 'mesh.example')[0]).toBe('/dns/mesh.example/tcp/1/ws/p2p/a')
  })

  const bad: Array<[string, string, RegExp]> = [
    ['a bootstrap address without a peer id', 'bootstrap=/ip4/127.0.0.1/tcp/4102/ws', /must be a multiaddr ending in \/p2p\/<peer id>/],
    ['a bootstrap address that is no multiaddr', 'bootstrap=ws://127.0.0.1:4102', /must be a multiaddr ending in \/p2p\/<peer id>/],
    ['an ICE server that is not STUN/TURN', 'ice=http://stun.example.org', /not a STUN\/TURN url/],
    ['a bad profile name', 'profile=../etc', /bad profile name/],
    ['a tiny discovery interval', 'discovery=10', /discovery interval/]
  ]
  for (const [what, query, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => configFrom(new URLSearchParams(query), undefined, '127.0.0.1')).toThrow(ConfigError)
      expect(() => configFrom(new URLSearchParams(query), undefined, '127.0.0.1')).toThrow(message)
    })
  }
})

describe('web client connection rules', () => {
  it('dials the configured loopback relay and what runs through it, nothing else private or plain-ws', async () => {
    const gater = createConnectionGater([RELAY])
    const deny = async (a: string): Promise<boolean | undefined> => gater.denyDialMultiaddr?.(multiaddr(a)) as Promise<boolean | undefined>
    expect(transportPart(RELAY)).toBe('/ip4/127.0.0.1/tcp/4102/ws')
    expect(await deny(RELAY)).toBe(false)
    expect(await deny(`${RELAY}/p2p-circuit/webrtc/p2p/${TAB}`)).toBe(false)
    expect(await deny('/ip4/127.0.0.1/tcp/4999/ws')).toBe(true)
    expect(await deny('/ip4/192.168.1.2/tcp/4102/ws')).toBe(true)
    expect(await deny('/ip4/192.168.1.2/tcp/443/wss')).toBe(true)
    expect(await deny('/ip4/203.0.113.9/tcp/4102/ws')).toBe(true)
    expect(await deny('/dns4/mesh.example.org/tcp/443/wss')).toBe(false)
  })

  it('upgrades a relayed link through the same relay, and names links by how they run', () => {
    expect(webrtcAddressVia(`${RELAY}/p2p-circuit/p2p/${TAB}`, TAB)).toBe(`${RELAY}/p2p-circuit/webrtc/p2p/${TAB}`)
    expect(webrtcAddressVia(RELAY, NODE)).toBeUndefined()
    expect(transportOf(`${RELAY}/p2p-circuit/p2p/${TAB}`, true)).toBe('relayed')
    expect(transportOf(`${RELAY}/p2p-circuit/webrtc/p2p/${TAB}`, false)).toBe('webrtc')
    expect(transportOf(`/webrtc/p2p/${TAB}`, false)).toBe('webrtc')
    expect(transportOf(RELAY, false)).toBe('websocket')
  })

  it('stamps announcements with a protobuf varint field 3', () => {
    expect([...timeField(0)]).toEqual([0x18, 0])
    expect([...timeField(300)]).toEqual([0x18, 0xac, 0x02])
    // a present-day time stays a valid varint (7 bits per byte, high bit on all but the last)
    const t = timeField(1_795_387_508_060)
    expect(t[t.length - 1] & 0x80).toBe(0)
    expect([...t.slice(1, -1)].every(b => (b & 0x80) !== 0)).toBe(true)
  })

  it('reads the hello flag (field 4) after the library\'s fields and the time stamp', () => {
    // field 1: a 3-byte public key, field 2: one 2-byte address, then the stamp
    const announcement = Uint8Array.from([0x0a, 3, 1, 2, 3, 0x12, 2, 4, 5, ...timeField(1_795_387_508_060)])
    expect(isHello(announcement)).toBe(false)
    expect(isHello(Uint8Array.from([...announcement, ...HELLO_FIELD]))).toBe(true)
    expect(isHello(Uint8Array.from([...announcement, 0x20, 0x00]))).toBe(false)
    // truncated or garbage bytes are not hellos, and do not throw
    expect(isHello(Uint8Array.from([0x0a, 40, 1]))).toBe(false)
    expect(isHello(Uint8Array.from([0xff, 0xff, 0xff]))).toBe(false)
  })
})
