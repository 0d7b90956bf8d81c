/**
 * The request's types, which every feature's routes are written against. Apart from the
 * composition root (src/app.ts), which imports every feature: a feature importing its own
 * request types from there would put every folder in one import circle.
 */
import type { Context } from 'hono';
import type { FrameBindings } from './frame.ts';

/**
 * What handlers find with `c.get()`. Empty here: a feature that sets a variable declares it
 * where it sets it (auth/session.ts adds `session`, by declaration merging), so this folder
 * names no feature.
 */
export interface AppVariables {}

export type AppEnv = { Bindings: FrameBindings; Variables: AppVariables };
export type AppContext = Context<AppEnv>;
