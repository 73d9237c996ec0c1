export { createSeriesBuffer, type SeriesBuffer } from './series/buffer.js'
export { bucketize, type ColumnBuckets, downsampleMinMaxLast, type MinMaxLast } from './series/downsample.js'
export { checkSmoothOptions, SMOOTH_DEFAULTS, type SmoothKind, type SmoothOptions, smooth } from './series/smooth.js'
export { createStreamingStats, type SeriesStats, type StreamingStats, seriesStats } from './series/stats.js'
