// The whole schema: importing each domain file registers its types and query fields.
import { builder } from './builder.js';
import './area.js';
import './indicator.js';
import './indicator-value.js';
import './area-profile.js';
import './composite-index.js';
import './registry.js';
import './controlling.js';
import './planning-mutations.js';
import './themes.js';
import './operations.js';
import './scenario.js';

export const schema = builder.toSchema({ sortSchema: true });
