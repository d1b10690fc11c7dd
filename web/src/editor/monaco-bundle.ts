// The part of Monaco the page uses: the editor core and the contributions that matter for editing
// assembly (no language services for other languages). Loaded lazily by monaco-loader.ts.
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/quickCommand/register';
// Ctrl+M (Ctrl+Shift+M on a Mac): Tab moves the focus out of the editor instead of indenting.
import 'monaco-editor/features/toggleTabFocusMode/register';

export * from 'monaco-editor/editor';
