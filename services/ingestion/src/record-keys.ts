// The encoding step's one Datenschutz duty (docs/disclosure.md): every observation of an area
// statistic gets its record key before the payload is encoded, so the key travels in the event and
// stays in the history. The key is a keyed hash of the observation, so an identical re-delivery
// encodes to identical bytes (and is answered "unchanged") and a correction keeps its keys.
import type { AreaStatistic } from '@sp/events';
import { recordKeyOf } from '@sp/indicators';

export function withRecordKeys(r: AreaStatistic, secret: string): AreaStatistic {
  return {
    ...r,
    observations: r.observations.map((o) => ({
      ...o,
      recordKey: recordKeyOf(secret, { dataset: r.dataset, areaLevel: r.areaLevel, areaCode: r.areaCode, period: r.period, measure: o.measure, dimensions: o.dimensions }),
    })),
  };
}
