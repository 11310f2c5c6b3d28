import { beforeEach } from 'vitest';
import { awayFromMidnight, MIDNIGHT_MARGIN_MS } from './away-from-midnight.js';

// The real clock and timer, taken before any test installs fake ones.
const realNow = Date.now;
const realSetTimeout = setTimeout;

// Every test starts on a UTC day it will end on (see awayFromMidnight); the hook may wait up to the margin.
beforeEach(async () => {
  await awayFromMidnight(realNow, (ms) => new Promise((resolve) => realSetTimeout(resolve, ms)));
}, MIDNIGHT_MARGIN_MS + 5000);
