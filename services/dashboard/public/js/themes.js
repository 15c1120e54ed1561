// @ts-check
// The map themes („Kartenthema“): what the map colours. Each is a module; a new theme is one more
// entry here and a radio button with its key in index.html.
import { indexTheme } from './index.theme.js';
import { indicatorTheme } from './indicator.theme.js';
import { needsTheme } from './needs.theme.js';
import { state } from './state.js';
import { typologyTheme } from './typology.theme.js';

/** @import { Theme } from './state.js' */

/**
 * @typedef {object} MapTheme
 * @property {() => boolean} available whether the catalogue has anything for it (else its radio button is disabled)
 * @property {() => string[]} periods the periods the slider offers
 * @property {(level: string, period: string | null) => Promise<Theme>} data what the map shows for a level and period
 */

/** @type {Record<string, MapTheme>} keys are the values of the theme radio buttons and of `thema=` in the URL */
export const themes = {
  indicator: indicatorTheme,
  index: indexTheme,
  needs: needsTheme,
  typology: typologyTheme,
};

/** The chosen theme (the URL's is checked against `themes` when it is read). */
export const theme = () => themes[state.theme] ?? needsTheme;
