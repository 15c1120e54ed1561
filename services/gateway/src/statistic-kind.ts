// What a value is (GraphQL StatisticKind, CSV Werttyp) when the reader does not say: from its indicator's kind.

/** The kind of a value from its indicator's kind, for readers that do not say (fixtures): a count, a change, a share or mean, else a rate. */
export function statisticKindOf(indicator: { kind: string } | undefined): 'COUNT' | 'SHARE' | 'RATE' | 'MEAN' | 'CHANGE' {
  switch (indicator?.kind) {
    case undefined:
    case 'count':
      return 'COUNT';
    case 'change':
      return 'CHANGE';
    case 'share':
      return 'SHARE';
    case 'mean':
      return 'MEAN';
    default:
      return 'RATE';
  }
}
