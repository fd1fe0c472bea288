/**
 * The isomorphic Liberation core: everything here runs unchanged in Node and in a browser;
 * runtimes plug in libp2p, storage and crypto (docs/architecture.md).
 */
export * from './mesh-node.ts'
export * from './crypto/index.ts'
export * from './storage/index.ts'
export * from './events/index.ts'
export * from './pubsub/gossip.ts'
export * from './connectivity/connection-keeper.ts'
export * from './notifications/index.ts'
export * from './truth/index.ts'
export * from './routing/index.ts'
export * from './ledger/index.ts'
