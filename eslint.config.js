// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/', '.bench-build-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Each primitive once: the time is read through src/clock.ts, a promise raced against a timer through
    // src/util/deadline.ts.
    files: ['src/**', 'commands/**'],
    ignores: ['src/clock.ts', 'src/util/deadline.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read the time through src/clock.ts (systemClock, or the injected Clock).' },
        { object: 'Promise', property: 'race', message: 'Race a promise against a timer with withDeadline (src/util/deadline.ts).' },
      ],
    },
  },
);
