// ESLint flat config (ESLint 9). `npm run lint` runs `eslint --max-warnings 0 .`.
import js from '@eslint/js';
import globals from 'globals';

export default [
  // Generated or installed, never linted.
  { ignores: ['pkg/', 'target/', 'node_modules/', 'dist/', '.cache/', 'test-output/'] },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      // The shim runs under Node, in browsers and in workers (Cloudflare, Web Workers).
      globals: { ...globals.node, ...globals.browser, ...globals.worker },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
];
