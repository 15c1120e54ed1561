// Where Hamburg's data descriptions live in the repository (catalogue/hamburg): the spatial
// reference, the indicator catalogue and the feed catalogue, as a platform is started with them.
import { fileURLToPath } from 'node:url';

// this file sits at <repo>/packages/demo/{src,dist}/hamburg/ → <repo>/catalogue/hamburg
const dir = (name: string) => fileURLToPath(new URL(`../../../../catalogue/hamburg/${name}`, import.meta.url));

export const hamburgReferencePath = dir('reference.yaml');
export const hamburgIndicatorCataloguePath = dir('indicators.yaml');
export const hamburgFeedCataloguePath = dir('feeds.yaml');
