import { reportStartupFailure, runProcess } from './process.js';

runProcess().catch(reportStartupFailure);
