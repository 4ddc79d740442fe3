// Runs before `npm start` and `npm test`, on whatever `node` npm found first on PATH. npm puts
// node_modules/.bin first, where the pinned `node` package (Node 24) installs itself through its
// preinstall script. If that script did not run (`--ignore-scripts`, an npm that blocks install
// scripts, a copied node_modules), the system Node would run our TypeScript and fail in confusing
// ways, so this file is plain JavaScript that any Node can run, and it stops with a clear message.
const wanted = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major !== wanted) {
  process.stderr.write(
    [
      `dailyfeed needs Node ${wanted}; this is Node ${process.versions.node} (${process.execPath}).`,
      'Node 24 comes with `npm ci` as the pinned `node` package (node_modules/.bin/node), installed by its',
      'preinstall script, which package.json "allowScripts" approves. Run `npm ci` again without',
      '--ignore-scripts, then check that node_modules/.bin/node --version prints v24.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
