/**
 * Browser-safe entry (`@entrenar/viz/series`): the shared series preparation, no Node built-ins.
 *
 * @module @entrenar/viz/series
 */
export { createSeriesBuffer, type SeriesBuffer } from './series/buffer.js'
export { bucketize, type ColumnBuckets, downsampleMinMaxLast, type MinMaxLast } from './series/downsample.js'
export { checkSmoothOptions, createSmoother, SMOOTH_DEFAULTS, type SmoothKind, type SmoothOptions, type Smoother, smooth } from './series/smooth.js'
export { createStreamingStats, type SeriesStats, type StreamingStats, seriesStats } from './series/stats.js'
export { type SplitOf, splitOf } from './model/split.js'
// The web dashboard's binary series frame (`POST /api/series`), for clients that read it.
export { decodeSeriesFrame, encodeSeriesFrame, FRAME_TYPE, FRAME_VERSION } from './web/series-frame.js'
