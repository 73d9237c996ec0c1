export type { ChangeDetector as ChangeDetectorLike } from '@entrenar/core'
export { adwin, ddm, eddm, hddmA, kswin, pageHinkley, zScoreWindow } from '@entrenar/drift'
