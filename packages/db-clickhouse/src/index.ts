export { type ClickHouseStore, type ClickHouseStoreOptions, openClickHouseStore, parseClickHouseUrl } from './store.js'
export { bitsToFloat, floatToBits, quoteIdent, quoteString } from './sql.js'
