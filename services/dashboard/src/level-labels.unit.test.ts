// The dashboard names levels with the API's labels (areaLevels), in the plural where a map lists
// many areas; nothing in the page knows a city's levels.
import { describe, expect, it } from 'vitest';
import { levelLabel, pluralOf, setLevelLabels } from '../public/js/format.js';

describe('level labels from the API', () => {
  it('forms German plurals of the words cities name their levels with', () => {
    expect(pluralOf('Stadtteil')).toBe('Stadtteile');
    expect(pluralOf('Stadtbezirk')).toBe('Stadtbezirke');
    expect(pluralOf('Stadtviertel')).toBe('Stadtviertel');
    expect(pluralOf('Sozialraum')).toBe('Sozialräume');
    expect(pluralOf('Sozialraumgebiet (Lebenswerte Veedel)')).toBe('Sozialraumgebiete (Lebenswerte Veedel)');
    expect(pluralOf('Wohnplatz')).toBe('Wohnplätze');
    expect(pluralOf('Ortsteil')).toBe('Ortsteile');
    expect(pluralOf('Kiez')).toBe('Kiez');
    // a label that is the ending itself keeps its capital (the sweep found „Für bezirke liegen …“ in Hamburg)
    expect([pluralOf('Bezirk'), pluralOf('Quartier'), pluralOf('Gemeinde'), pluralOf('Raum')]).toEqual(['Bezirke', 'Quartiere', 'Gemeinden', 'Räume']);
  });

  it('takes the labels the API gave, the level code where it gave none', () => {
    setLevelLabels([
      { name: 'STADT', label: 'Stadt' },
      { name: 'SOZIALRAUM', label: 'Sozialraumgebiet (Lebenswerte Veedel)' },
      { name: 'PLANUNGSRAUM', label: 'Planungsraum' },
    ]);
    expect(levelLabel('SOZIALRAUM')).toEqual({ one: 'Sozialraumgebiet (Lebenswerte Veedel)', many: 'Sozialraumgebiete (Lebenswerte Veedel)' });
    expect(levelLabel('PLANUNGSRAUM')).toEqual({ one: 'Planungsraum', many: 'Planungsräume' });
    expect(levelLabel('STADT').many).toBe('Stadt');
    expect(levelLabel('KREIS')).toEqual({ one: 'KREIS', many: 'KREIS' });
  });
});
