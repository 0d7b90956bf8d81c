/**
 * Where DATA_DIR may not be. It holds the user database and the signing secret's sessions:
 * under a web-served folder anyone could download it, and inside the app folder (the release,
 * which an upgrade replaces by extracting a new zip or switching a symlink) it would be lost.
 */
import path from 'node:path';

/**
 * The folder a web server serves on cPanel and most shared hosts; the app's own served folder,
 * public_html/<base>, is below it. cPanel's `~/www` is a link to it (resolved before we look);
 * on hosts where `www` in a home folder is the real web root, it counts too. A `www` elsewhere
 * (a VPS's /var/www/dashboard-data, beside /var/www/html) is not judged by its name.
 */
function webServed(dataDir: string): string | undefined {
  const segments = dataDir.split(path.sep);
  if (segments.includes('public_html')) return 'public_html';
  const www = segments.indexOf('www');
  // /home/USER/www, /home2/USER/www ...: a home folder's own www.
  return www === 3 && /^home\d*$/.test(segments[1] ?? '') ? 'www' : undefined;
}

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
  const served = webServed(place.dataDir);
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
