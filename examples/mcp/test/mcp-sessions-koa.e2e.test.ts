// MCP sessions held to their token's life on Koa: the suite is in sessions-suite.ts.
import { sessionSuite } from './sessions-suite.js';

sessionSuite('koa');
