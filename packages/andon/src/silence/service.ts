import type { SilenceService } from '@entrenar/core'
import type { Andon } from '../types.js'

/** The silence API of an Andon as the core {@link SilenceService} (what `serveAndon` serves as `silenceContract`). */
export function asSilenceService(andon: Pick<Andon, 'addSilence' | 'expireSilence' | 'silences'>): SilenceService {
  return {
    add: (spec) => andon.addSilence(spec),
    list: async () => andon.silences(),
    expire: (id) => andon.expireSilence(id),
  }
}
