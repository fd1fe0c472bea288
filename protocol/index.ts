/** The isomorphic Liberation core: everything here runs unchanged in Node and in a browser. */
export * from './mesh-node.js'
export * from './crypto/index.js'
export * from './storage/index.js'
export * from './events/index.js'
export * from './pubsub/gossip.js'
export * from './connectivity/connection-keeper.js'
export * from './notifications/index.js'
export * from './truth/index.js'
