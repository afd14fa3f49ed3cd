import js from "@eslint/js"
import pluginVue from "eslint-plugin-vue"
import tseslint from "typescript-eslint"
import vueParser from "vue-eslint-parser"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".pigeon/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly" }
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "require-yield": "off"
    }
  },
  // The web console (ui/): Vue single-file components with TypeScript in <script setup lang="ts">.
  ...pluginVue.configs["flat/recommended"],
  // Prettier owns the layout of .vue files; the plugin's layout rules would fight it.
  pluginVue.configs["no-layout-rules"],
  {
    files: ["ui/**/*.vue"],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: [".vue"], sourceType: "module" }
    },
    rules: {
      // vue-tsc checks names against the DOM types; ESLint's list of globals would only duplicate it.
      "no-undef": "off",
      // Shared components keep the one-word names the console's README documents (Pager).
      "vue/multi-word-component-names": ["error", { ignores: ["Pager"] }]
    }
  }
)
