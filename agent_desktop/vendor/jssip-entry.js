// esbuild entry of the JsSIP browser bundle (npm run build → jssip.min.js, global `JsSIP`).
// The npm package ships CommonJS only; re-exporting it whole keeps the API JsSIP documents.
module.exports = require("jssip");
