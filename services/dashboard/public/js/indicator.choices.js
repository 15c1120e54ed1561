// @ts-check
// The indicator picker's choices: the catalogue as a planner reads it — official statistics, then
// synthetic indicators, and apart from both, not selectable, the indicators nothing has been
// delivered for yet („keine Daten“). Listed rather than hidden: the planner knows the catalogue, and
// an indicator missing from the list reads as one the platform lacks, not as one whose figures the
// Amt has still to deliver; selectable, it only opened an empty grey map.

/** @typedef {{ value: string, label: string, disabled?: boolean }} Choice */

/**
 * @param {readonly { code: string, name: string, synthetic: boolean, periods: readonly string[] }[]} indicators
 * @returns {{ group: string, options: Choice[] }[]}
 */
export function indicatorChoices(indicators) {
  /** @param {{ code: string, name: string, synthetic: boolean }} m */
  const label = (m) => (m.synthetic ? `${m.name} (synthetisch)` : m.name);
  const withFigures = indicators.filter((m) => m.periods.length > 0);
  return [
    { group: 'Amtliche Statistik', options: withFigures.filter((m) => !m.synthetic).map((m) => ({ value: m.code, label: label(m) })) },
    { group: 'Synthetische Sozialindikatoren', options: withFigures.filter((m) => m.synthetic).map((m) => ({ value: m.code, label: label(m) })) },
    {
      group: 'Noch keine Daten geliefert',
      options: indicators.filter((m) => m.periods.length === 0).map((m) => ({ value: m.code, label: `${label(m)} – keine Daten`, disabled: true })),
    },
  ].filter((g) => g.options.length > 0);
}

/**
 * The indicator a map opens with when the URL names none the catalogue has: the residents if they
 * have figures, else the first indicator with figures, else the first of the catalogue.
 * @param {readonly { code: string, periods: readonly string[] }[]} indicators
 * @param {string} preferred
 * @returns {string | null}
 */
export function defaultIndicator(indicators, preferred) {
  const withFigures = indicators.filter((m) => m.periods.length > 0);
  return (withFigures.find((m) => m.code === preferred) ?? withFigures[0] ?? indicators[0])?.code ?? null;
}
