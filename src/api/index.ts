/**
 * Every modelled call, by name. A test checks that this table and the
 * catalogue (src/trace/catalogue.ts) name exactly the same functions.
 */
import { ctxApi } from './ctx-api.ts';
import { pseudoApi } from './pseudo-api.ts';
import { sessionApi } from './session-api.ts';
import { sslApi } from './ssl-api.ts';
import { sslSettingsApi } from './ssl-settings-api.ts';
import type { Handler } from './types.ts';
import { withNullRule } from './null-session.ts';

export const API: ReadonlyMap<string, Handler> = new Map(
  Object.entries({ ...sessionApi, ...sslApi, ...sslSettingsApi, ...ctxApi, ...pseudoApi }).map(([fn, handler]) => [fn, withNullRule(fn, handler)]),
);
