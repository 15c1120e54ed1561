// `pnpm hamburg:reference`: writes catalogue/hamburg/reference.yaml from the shared data
// (SP_SHARED_DATA or ../shared beside the repository). A unit test fails when the file drifts.
import { writeFileSync } from 'node:fs';
import { defaultDataRoot } from '@sp/spatial';
import { hamburgReferencePath } from './hamburg.catalogues.js';
import { generateHamburgReferenceYaml } from './reference.generate.js';

writeFileSync(hamburgReferencePath, generateHamburgReferenceYaml(defaultDataRoot()));
process.stdout.write(`${hamburgReferencePath} geschrieben\n`);
