/**
 * Learning sessions on real nodes: the owner invites, participants edit one document at
 * the same time and converge, presence lists everyone in it, a participant who was
 * offline converges when back, a non-participant's signed updates are refused by every
 * node, and closing publishes the solution as a knowledge entry linking back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { fromHex } from '../../protocol/crypto/index.ts'
import { sessionIdOf, SESSIONS_TOPIC, sessionTopic, signCharter, signUpdate, UPDATE_KIND } from '../../protocol/knowledge/index.ts'
import { connect, TestMesh, waitFor } from '../utils/mesh.ts'
import type { SessionRejection } from '../../protocol/knowledge/index.ts'
import type { TestNode } from '../utils/mesh.ts'

const init = { knowledge: { sync: { intervalMs: 0 } }, truth: { sync: { intervalMs: 0, onConnect: false } } }

describe('learning sessions', () => {
  const mesh = new TestMesh()
  let owner: TestNode
  let guest: TestNode
  let outsider: TestNode
  let id = ''
  const refused = new Map<TestNode, SessionRejection[]>()

  beforeAll(async () => {
    owner = await mesh.add({ init })
    guest = await mesh.add({ init })
    outsider = await mesh.add({ init })
    for (const n of [owner, guest, outsider]) {
      const list: SessionRejection[] = []
      refused.set(n, list)
      n.node.knowledge.sessions.addEventListener('rejected', e => { list.push(e.detail) })
    }
    await connect(owner.node, guest.node)
    await connect(guest.node, outsider.node)
    await connect(outsider.node, owner.node)
    await waitFor(() => [owner, guest, outsider].every(n => n.node.libp2p.services.pubsub.getSubscribers('liberation/knowledge/sessions/1').length === 2), 'charter topic meshes')
  }, 30_000)
  afterAll(async () => { await mesh.cleanup() })

  it('participants co-edit concurrently and converge, with presence', async () => {
    const s = await owner.node.knowledge.sessions.create({ title: 'Relay keeps dropping', problem: 'The relay drops circuits after 2 minutes.', participants: [guest.node.libp2p.peerId.toString()] })
    id = s.id
    expect(s.participants).toEqual([owner.node.libp2p.peerId.toString(), guest.node.libp2p.peerId.toString()])
    // the guest joins on seeing the charter that lists it, and catches up the problem text
    await waitFor(() => guest.node.knowledge.sessions.doc(id)?.getText('problem').toString() === 'The relay drops circuits after 2 minutes.', 'guest holds the problem')
    await waitFor(() => owner.node.libp2p.services.pubsub.getSubscribers(sessionTopic(id)).length > 0, 'session topic mesh')
    // concurrent edits at both ends of the notes
    await Promise.all([
      owner.node.knowledge.sessions.edit(id, { field: 'notes', at: 0, insert: 'owner: check the reservation TTL. ' }),
      guest.node.knowledge.sessions.edit(id, { field: 'notes', at: 0, insert: 'guest: logs show a reset. ' })
    ])
    await owner.node.knowledge.sessions.edit(id, { field: 'proposals', text: '1. raise the TTL' })
    await waitFor(() => JSON.stringify(owner.node.knowledge.sessions.view(id).fields) === JSON.stringify(guest.node.knowledge.sessions.view(id).fields) &&
      owner.node.knowledge.sessions.view(id).fields.notes.length > 40, 'identical documents')
    const notes = guest.node.knowledge.sessions.view(id).fields.notes
    expect(notes).toContain('owner: check the reservation TTL.')
    expect(notes).toContain('guest: logs show a reset.')
    await guest.node.knowledge.sessions.setPresence(id, { name: 'guest', cursor: { field: 'notes', index: 3 } })
    await waitFor(() => owner.node.knowledge.sessions.view(id).presence.length === 2, 'owner sees two present')
    expect(owner.node.knowledge.sessions.view(id).presence.find(p => p.peer === guest.node.libp2p.peerId.toString())).toMatchObject({ name: 'guest', cursor: { field: 'notes', index: 3 } })
  }, 30_000)

  it('refuses writes from a non-participant, locally and on the wire', async () => {
    await expect(outsider.node.knowledge.sessions.edit(id, { field: 'notes', at: 0, insert: 'spam' })).rejects.toThrow(/not a participant/)
    // the outsider follows the topic and publishes a correctly signed update of its own
    await outsider.node.knowledge.sessions.join(id)
    await waitFor(() => outsider.node.libp2p.services.pubsub.getSubscribers(sessionTopic(id)).length === 2, 'outsider in the session topic')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(outsider.node.knowledge.sessions.doc(id) as Y.Doc))
    const before = Y.encodeStateVector(doc)
    doc.getText('solution').insert(0, 'buy my product')
    const rec = await signUpdate(outsider.node.crypto.signer, { sessionId: fromHex(id) as Uint8Array<ArrayBuffer>, kind: UPDATE_KIND.doc, data: Y.encodeStateAsUpdate(doc, before) as Uint8Array<ArrayBuffer>, createdAt: Date.now() })
    await outsider.node.libp2p.services.pubsub.publish(sessionTopic(id), rec.signed)
    const outsiderId = outsider.node.libp2p.peerId.toString()
    const refusedIt = (n: TestNode): boolean => (refused.get(n) ?? []).some(r => r.reason === 'not-participant' && r.peer === outsiderId)
    await waitFor(() => refusedIt(owner) && refusedIt(guest), 'both participants refuse it')
    for (const n of [owner, guest]) { expect(n.node.knowledge.sessions.view(id).fields.solution).toBe('') }
  }, 30_000)

  it('a participant offline for a while converges when back', async () => {
    // the guest goes offline: every connection closed
    for (const c of guest.node.libp2p.getConnections()) { await c.close() }
    await guest.node.knowledge.sessions.edit(id, { field: 'solution', text: 'Renew the reservation every 60 s.' })
    await owner.node.knowledge.sessions.edit(id, { field: 'notes', at: 0, insert: 'owner (meanwhile): confirmed. ' })
    expect(owner.node.knowledge.sessions.view(id).fields.solution).toBe('')
    await connect(guest.node, owner.node)
    await waitFor(() => JSON.stringify(owner.node.knowledge.sessions.view(id).fields) === JSON.stringify(guest.node.knowledge.sessions.view(id).fields) &&
      owner.node.knowledge.sessions.view(id).fields.solution !== '', 'converged after reconnecting')
    expect(guest.node.knowledge.sessions.view(id).fields.notes).toContain('owner (meanwhile): confirmed.')
  }, 30_000)

  it('only the owner closes; closing publishes the solution entry linking back', async () => {
    await expect(guest.node.knowledge.sessions.close(id)).rejects.toThrow(/only the owner/)
    const closed = await owner.node.knowledge.sessions.close(id)
    expect(closed.closed).toBe(true)
    const entryId = closed.solution_entry as string
    const entry = await owner.node.knowledge.get(entryId)
    expect(entry).toMatchObject({ type: 'solution', session: id, title: 'Relay keeps dropping' })
    expect(entry?.content).toContain('Renew the reservation every 60 s.')
    // the participant gets both by gossip (the outsider, which published a refused update
    // above, is scored down by its peers' gossip and gets them later by catch-up)
    await waitFor(async () => (await guest.node.knowledge.get(entryId))?.session === id && guest.node.knowledge.sessions.view(id).closed, 'entry and closing at the guest')
    await expect(guest.node.knowledge.sessions.edit(id, { field: 'notes', at: 0, insert: 'late' })).rejects.toThrow(/closed/)
  }, 30_000)

  it('a node that was away learns of sessions from its peers on connecting', async () => {
    const late = await mesh.add({ init })
    expect(late.node.knowledge.sessions.list()).toEqual([])
    await connect(late.node, guest.node)
    await waitFor(() => late.node.knowledge.sessions.list().some(s => s.id === id && s.closed), 'charters caught up')
  }, 30_000)
})

describe('learning sessions against a hostile owner with a valid key', () => {
  const mesh = new TestMesh()
  afterAll(async () => { await mesh.cleanup() })

  it('cannot make a node hold more than its share of sessions, follow them without bound, or flood charters past a rate', async () => {
    // two victims: one with a small per-owner bound, one with a small charter rate
    const quotaVictim = await mesh.add({ init: { ...init, knowledge: { ...init.knowledge, sessions: { bounds: { maxSessionsPerOwner: 12 }, charterRate: { perSecond: 1, burst: 100 } } } } })
    const rateVictim = await mesh.add({ init: { ...init, knowledge: { ...init.knowledge, sessions: { charterRate: { perSecond: 0.001, burst: 5 } } } } })
    const hostile = await mesh.add({ init })
    const friend = await mesh.add({ init })
    for (const v of [quotaVictim, rateVictim]) {
      await connect(hostile.node, v.node)
      await connect(friend.node, v.node)
    }
    const victims = [quotaVictim, rateVictim]
    const refusals = new Map<TestNode, SessionRejection[]>(victims.map(v => [v, []]))
    for (const v of victims) { v.node.knowledge.sessions.addEventListener('rejected', e => { refusals.get(v)?.push(e.detail) }) }
    await waitFor(() => hostile.node.libp2p.services.pubsub.getSubscribers(SESSIONS_TOPIC).length === 2, 'hostile in the charters topic')

    // the hostile node signs 20 sessions of its own, each listing both victims, and publishes them
    const hostileId = hostile.node.libp2p.peerId.toString()
    const victimKeys = victims.map(v => v.node.libp2p.peerId.publicKey?.raw as Uint8Array<ArrayBuffer>)
    for (let i = 0; i < 20; i++) {
      const nonce = new Uint8Array(16).fill(i)
      const sessionId = await sessionIdOf(hostile.node.crypto.signer.publicKey, nonce) as Uint8Array<ArrayBuffer>
      const rec = await signCharter(hostile.node.crypto.signer, { sessionId, nonce, version: 1, title: `spam ${i}`, description: '', participants: victimKeys, closed: false, solutionEntry: new Uint8Array(0), createdAt: Date.now() })
      await hostile.node.libp2p.services.pubsub.publish(SESSIONS_TOPIC, rec.signed)
    }
    const refusedFor = (v: TestNode, reason: string): number => (refusals.get(v) ?? []).filter(r => r.reason === reason && r.peer === hostileId).length
    const hostileSessions = (v: TestNode): Array<{ joined: boolean }> => v.node.knowledge.sessions.list().filter(s => s.owner === hostileId)
    // every one of the 20 is either held or refused with its reason: then the counts are final
    await waitFor(() => hostileSessions(quotaVictim).length + refusedFor(quotaVictim, 'quota') === 20, 'quota victim decided on all 20')
    await waitFor(() => hostileSessions(rateVictim).length + refusedFor(rateVictim, 'rate-limited') === 20, 'rate victim decided on all 20')
    expect(hostileSessions(quotaVictim)).toHaveLength(12)
    expect(refusedFor(quotaVictim, 'quota')).toBe(8)
    expect(hostileSessions(rateVictim)).toHaveLength(5)
    expect(refusedFor(rateVictim, 'rate-limited')).toBe(15)
    // listed in all of them, each victim follows only 4 on its own (SESSION_LIMITS.maxAutoJoinedPerOwner)
    await waitFor(() => victims.every(v => hostileSessions(v).filter(s => s.joined).length === 4), 'four joined')
    for (const v of victims) { expect(hostileSessions(v).filter(s => s.joined)).toHaveLength(4) }
    // the refusals were not held against the hostile node's forwarding (no penalty for a node's own bound)
    expect(refusedFor(quotaVictim, 'invalid-signature') + refusedFor(quotaVictim, 'not-owner')).toBe(0)

    // what the rate turned away is not lost: a catch-up (here on reconnecting) brings it, at the sync's pace
    await waitFor(() => hostileSessions(friend).length >= 12, 'the friend holds what the victims forwarded')
    await friend.node.libp2p.hangUp(rateVictim.node.libp2p.peerId)
    await waitFor(() => rateVictim.node.libp2p.getConnections(friend.node.libp2p.peerId).length === 0 && friend.node.libp2p.getConnections(rateVictim.node.libp2p.peerId).length === 0, 'both ends closed')
    await connect(friend.node, rateVictim.node)
    await waitFor(() => hostileSessions(rateVictim).length === hostileSessions(friend).length, 'the rate victim caught up')

    // an honest owner's session still reaches both victims, which join it on their own
    const honest = await friend.node.knowledge.sessions.create({ title: 'honest question', participants: victims.map(v => v.node.libp2p.peerId.toString()) })
    await waitFor(() => victims.every(v => v.node.knowledge.sessions.list().some(s => s.id === honest.id && s.joined)), 'honest session joined')
    // and the operator may still follow a fifth hostile session by asking
    const fifth = quotaVictim.node.knowledge.sessions.list().find(s => s.owner === hostileId && !s.joined)
    await quotaVictim.node.knowledge.sessions.join(fifth?.id ?? '')
    expect(hostileSessions(quotaVictim).filter(s => s.joined)).toHaveLength(5)

    // the per-owner bound holds for the node's own sessions too, with a clear error (the API answers 429), and nothing is kept
    for (let i = 0; i < 12; i++) { await quotaVictim.node.knowledge.sessions.create({ title: `mine ${i}` }) }
    const held = quotaVictim.node.knowledge.sessions.size
    await expect(quotaVictim.node.knowledge.sessions.create({ title: 'one too many' })).rejects.toThrow(/holds \d+ sessions, 12 of them this owner's/)
    expect(quotaVictim.node.knowledge.sessions.size).toBe(held)
    expect(quotaVictim.node.knowledge.sessions.list().some(s => s.title === 'one too many')).toBe(false)
  }, 60_000)

  it('a node that follows as many sessions as it may refuses to create another, before signing or sending anything', async () => {
    const busy = await mesh.add({ init: { ...init, knowledge: { ...init.knowledge, sessions: { bounds: { maxJoined: 2 } } } } })
    await busy.node.knowledge.sessions.create({ title: 'first', problem: 'one' })
    await busy.node.knowledge.sessions.create({ title: 'second', problem: 'two' })
    await expect(busy.node.knowledge.sessions.create({ title: 'third', problem: 'three' })).rejects.toThrow(/follows 2 sessions, the most it follows at once/)
    expect(busy.node.knowledge.sessions.list().map(s => s.title).sort()).toEqual(['first', 'second'])
  }, 30_000)
})
