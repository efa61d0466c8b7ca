// Flat config. Product and dev code get the type-aware rules that stop `any` from leaking across modules;
// tests get the plain recommended set (they poke at untyped JSON on purpose).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      '.tmp/**',
      '.local/**',
      '.tools/**',
      '.package/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: [
      'lib/**/*.ts',
      'functions/**/*.ts',
      'orchestrations/**/*.ts',
      'activities/**/*.ts',
      'cli/**/*.ts',
      'dev/**/*.ts',
    ],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['orchestrations/**/*.ts'],
    rules: {
      // Orchestrators replay: anything non-deterministic breaks them.
      'no-restricted-globals': ['error', 'Date', 'setTimeout', 'setInterval', 'fetch', 'process'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Orchestrators must be deterministic.' },
        { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'fs', 'http', 'https', 'crypto', '../lib/config*', '../lib/graph/*'] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
