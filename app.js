'use strict';
// Startup file for Phusion Passenger (cPanel "Setup Node.js App") and for `node app.js`.
// Passenger require()s this file, so it stays CommonJS with no top-level await; everything
// else lives in the bundle that `npm run build` writes to dist/.
const fs = require('node:fs');
const path = require('node:path');

const envFile = path.join(__dirname, '.env');
if (fs.existsSync(envFile)) {
  // Variables already set (cPanel's settings, SetEnv, the shell) win over the file.
  if (typeof process.loadEnvFile === 'function') process.loadEnvFile(envFile);
  else console.error(`Ignoring ${envFile}: reading .env needs Node.js 20.12 or later (this is ${process.version}).`);
}

const bundle = path.join(__dirname, 'dist', 'server.cjs');
if (!fs.existsSync(bundle)) {
  console.error(`${bundle} is missing. Build it with "npm run build" (or upload a release that contains dist/).`);
  process.exit(1);
}

require(bundle).start({ appRoot: __dirname });
