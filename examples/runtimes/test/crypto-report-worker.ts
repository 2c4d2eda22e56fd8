import { report } from './crypto-report.js';

/** {@link report} as a Worker. */
export default { fetch: () => Response.json(report()) };
