// Syntax highlighting (Monarch) for module and patch sources: x86-64 Intel syntax and ARM64 GNU
// syntax as Keystone reads them, with our own header directives in a colour of their own.
import type * as Monaco from 'monaco-editor/editor';
import { ARCH, ARCHES, type Arch } from '../../../core/arch.ts';
import { PATCH_DIRECTIVES } from '../../../toolchain/patch.ts';
import { assemblerDirectives, HEADER_DIRECTIVES } from '../../../toolchain/source.ts';
import { LANGUAGE_ID } from './language-ids.ts';

/** Module and patch header directives: the toolchain's own lists, so highlighting never drifts. */
const OUR_DIRECTIVES = [...new Set([...HEADER_DIRECTIVES, ...PATCH_DIRECTIVES])].map((d) => d.slice(1));

/** Assembler directives the toolchain accepts (GNU as spelling), on either architecture. */
const ASSEMBLER_DIRECTIVES = [...new Set([...assemblerDirectives('x64'), ...assemblerDirectives('arm64')])].map((d) => d.slice(1));

const X64_REGISTERS = /\b(?:r[abcd]x|e[abcd]x|[abcd][xlh]|r[sd]i|e[sd]i|[sd]il?|r[sb]p|e[sb]p|[sb]pl?|r(?:[89]|1[0-5])[dwb]?|[re]?ip|[re]?flags|[xyz]mm(?:[12]?\d|3[01])|[c-gs]s|[fg]s_base|st(?:\(\d\))?|k[0-7])\b/;
const X64_SIZES = /\b(?:byte|word|dword|qword|tbyte|xmmword|ymmword|zmmword|ptr|offset|rel)\b/;

const ARM64_REGISTERS = /\b(?:[xw](?:[12]?\d|30)|[qdshbv](?:[12]?\d|3[01])(?:\.(?:16b|8b|8h|4h|4s|2s|2d|1d|1q|[bhsd]))?|w?sp|[xw]zr|lr|fp|pc|nzcv|fpsr|fpcr|tpidr_el0)\b/;
const ARM64_OPERATORS = /\b(?:lsl|lsr|asr|ror|msl|[us]xt[bhwx])\b/;

const directiveRules = [
  [new RegExp(`\\.(?:${OUR_DIRECTIVES.join('|')})\\b`), 'keyword.directive.hotpatch'],
  [new RegExp(`\\.(?:${ASSEMBLER_DIRECTIVES.join('|')})\\b`), 'keyword.directive'],
] as const;

function language(arch: Arch): Monaco.languages.IMonarchLanguage {
  const comment: [RegExp, string][] = arch === 'x64'
    ? [[/(?:;|#|\/\/).*$/, 'comment']]
    : [[/\/\/.*$/, 'comment'], [/\/\*.*?\*\//, 'comment']];
  const registers = arch === 'x64' ? X64_REGISTERS : ARM64_REGISTERS;
  const operandWords: [RegExp, string][] = arch === 'x64'
    ? [[X64_SIZES, 'type.size']]
    : [[ARM64_OPERATORS, 'keyword.operator'], [/:(?:lo12|got|got_lo12|pg_hi21):/, 'keyword.operator']];
  const numbers: [RegExp, string][] = [
    [/#?-?0x[0-9a-fA-F_]+\b/, 'number.hex'],
    [/#?-?\d[\d_]*\b/, 'number'],
  ];
  return {
    ignoreCase: true,
    defaultToken: '',
    tokenizer: {
      // A statement: labels, then a directive or a mnemonic, then operands.
      root: [
        [/\s+/, ''],
        ...comment,
        [/[A-Za-z_.$][\w.$]*:/, 'type.label'],
        ...directiveRules.map(([re, token]) => [re, { token, next: '@operands' }] as Monaco.languages.IMonarchLanguageRule),
        [/\.[A-Za-z_]\w*/, { token: 'keyword.directive', next: '@operands' }],
        [/[A-Za-z][\w.]*/, { token: 'keyword.mnemonic', next: '@operands' }],
      ],
      // Monarch keeps the state across lines: a new line starts a new statement.
      operands: [
        [/^/, { token: '', next: '@pop' }],
        ...comment,
        [/"(?:[^"\\]|\\.)*"/, 'string'],
        [/'(?:[^'\\]|\\.)'/, 'string'],
        [registers, 'variable.register'],
        ...operandWords,
        ...numbers,
        [/[A-Za-z_.$][\w.$]*/, 'identifier'],
        [/[[\]{}()]/, '@brackets'],
        [/[,+\-*!:]/, 'delimiter'],
        [/\s+/, ''],
      ],
    },
  };
}

function configuration(arch: Arch): Monaco.languages.LanguageConfiguration {
  return {
    comments: arch === 'x64' ? { lineComment: ';' } : { lineComment: '//', blockComment: ['/*', '*/'] },
    brackets: [['[', ']'], ['{', '}'], ['(', ')']],
    autoClosingPairs: [{ open: '[', close: ']' }, { open: '{', close: '}' }, { open: '"', close: '"' }],
  };
}

export function registerAssemblyLanguages(monaco: typeof Monaco): void {
  for (const arch of ARCHES) {
    const id = LANGUAGE_ID[arch];
    monaco.languages.register({ id, extensions: [], aliases: [`${ARCH[arch].displayName} assembly`] });
    monaco.languages.setMonarchTokensProvider(id, language(arch));
    monaco.languages.setLanguageConfiguration(id, configuration(arch));
  }
  const rules = (dark: boolean): Monaco.editor.ITokenThemeRule[] => [
    { token: 'keyword.directive.hotpatch', foreground: dark ? 'f0a35e' : 'b5520a', fontStyle: 'bold' },
    { token: 'keyword.directive', foreground: dark ? 'c586c0' : '8a3d99' },
    { token: 'keyword.mnemonic', foreground: dark ? '569cd6' : '0b57d0', fontStyle: 'bold' },
    { token: 'variable.register', foreground: dark ? '4ec9b0' : '0f7b6c' },
    { token: 'type.label', foreground: dark ? 'dcdcaa' : '795e26', fontStyle: 'bold' },
    { token: 'type.size', foreground: dark ? '9cdcfe' : '5a6acf' },
    { token: 'keyword.operator', foreground: dark ? 'd7ba7d' : '8f6a00' },
    { token: 'number', foreground: dark ? 'b5cea8' : '098658' },
    { token: 'number.hex', foreground: dark ? 'b5cea8' : '098658' },
    { token: 'comment', foreground: dark ? '6a9955' : '6a737d', fontStyle: 'italic' },
    { token: 'string', foreground: dark ? 'ce9178' : 'a31515' },
  ];
  monaco.editor.defineTheme('hotpatch-light', { base: 'vs', inherit: true, rules: rules(false), colors: {} });
  monaco.editor.defineTheme('hotpatch-dark', { base: 'vs-dark', inherit: true, rules: rules(true), colors: {} });
}
