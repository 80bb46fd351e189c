// The workspace's package.json is no project of its own, which the boundary rule cannot tell.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { version } from '../../../package.json';

/** The apps' version: the workspace's, which the image and CHANGELOG.md carry (esbuild inlines it). */
export const VERSION: string = version;
