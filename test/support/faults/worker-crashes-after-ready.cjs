// Preloaded into `npm start` (NODE_OPTIONS=--require <this file>) by the crash-loop test: the
// worker exits with status 3 shortly after it says it is ready, every time, so the supervisor
// restarts it until it gives up. Other processes of the stack are left alone.
'use strict';
if (/[\\/]bin[\\/]worker\.[jt]s$/.test(process.argv[1] || '') && typeof process.send === 'function') {
  const send = process.send.bind(process);
  process.send = (message, ...rest) => {
    if (message && message.ready) setTimeout(() => process.exit(3), 300);
    return send(message, ...rest);
  };
}
