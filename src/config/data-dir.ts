/**
 * Where DATA_DIR may not be. It holds the user database and the signing secret's sessions:
 * under a web-served folder anyone could download it, and inside the app folder (the release,
 * which an upgrade replaces by extracting a new zip or switching a symlink) it would be lost.
 */
import path from 'node:path';

/**
 * Folder names a web server serves on cPanel and most hosts (`www` is cPanel's link to
 * `public_html`). The app's own served folder, public_html/<base>, is below one of them.
 */
const WEB_SERVED = new Set(['public_html', 'www']);

export interface DataDirPlace {
  /** Absolute, symlinks resolved where the folders exist. */
  readonly dataDir: string;
  /** The folder holding app.js, resolved the same way. */
  readonly appRoot: string;
  readonly production: boolean;
  /** False when DATA_DIR was unset and the default ./data applies. */
  readonly explicit: boolean;
}

export function dataDirProblem(place: DataDirPlace): string | undefined {
  const served = place.dataDir.split(path.sep).find((segment) => WEB_SERVED.has(segment));
  if (served !== undefined) {
    return `is inside a web-served folder (${served}): anyone could download the database from the web`;
  }
  // Development runs from a checkout, where ./data is the default and nothing replaces the folder.
  if (place.production && isInside(place.dataDir, place.appRoot)) {
    return place.explicit
      ? 'is inside the app folder (the one holding app.js), which an upgrade replaces: the data would be lost'
      : 'is required in production: the default ./data lies inside the app folder, which an upgrade replaces';
  }
  return undefined;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
