// @ts-check
// What a part of the page is. app.js lists the views in drawing order and calls their hooks; a
// new view (a panel, a layer, a selector) is a module exporting a View plus one line in that list.
// Types only: the browser never loads this file.

/** @import { AreaSet } from './state.js' */

/**
 * What one render has loaded, beside `current` (state.js), which every view reads.
 * @typedef {object} Frame
 * @property {AreaSet} geo the areas of the level drawn
 * @property {AreaSet | null} bezirke the Stadtbezirke for orientation (null when they are the level drawn)
 * @property {unknown} themeError why the theme has no figures, when the API said so
 * @property {number} shown how many areas have a value
 */

/**
 * What a view can ask the page to do.
 * @typedef {object} App
 * @property {() => Promise<void>} render redraw everything from `state` (fetching what is missing)
 * @property {(code: string, options?: { focusMap?: boolean }) => void} select select an area
 */

/**
 * A part of the page. Every hook is optional.
 * @typedef {object} View
 * @property {(app: App) => void} [bind] once at start, before anything is loaded: event listeners
 * @property {(app: App) => void} [start] once, when the API's catalogue (`meta`) has loaded
 * @property {(frame: Frame) => void | Promise<void>} [draw] after every render; the page's render waits for what it returns
 * @property {(code: string, options: { focusMap: boolean }) => void} [select] when an area is selected
 */

export {};
