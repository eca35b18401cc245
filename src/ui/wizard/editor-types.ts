/**
 * The Blueprint editor's state, modes, intents and events: the types every editor module shares.
 */
import type { Blueprint, CiOidc, OrganizationTrail, TerraformSettings } from '../../core/blueprint.js';
import type { PresetName } from '../../core/presets.js';
import type { TextField } from './text-input.js';
import type { KeyOutcome, Notice } from './types.js';

export type BucketAvailability =
  | { kind: 'checking' }
  | { kind: 'free' } // HeadBucket 404
  | { kind: 'owned' } // HeadBucket 200: exists and you own it (bootstrap adopts it)
  | { kind: 'taken' } // HeadBucket 403 / 301: someone else owns the name
  | { kind: 'unknown'; reason: string };

/** Text fields of the form; `load`, `baseEmail` and `savePath` are not part of the blueprint. */
export type EditorField =
  | 'load'
  | 'region'
  | 'baseEmail'
  | 'ouName'
  | 'accountName'
  | 'accountEmail'
  | 'bucket'
  | 'table'
  | 'ciRepo'
  | 'ciTarget'
  | 'ciRole'
  | 'trailName'
  | 'trailBucket'
  | 'tfDir'
  | 'savePath';

export type EditorMode =
  | { kind: 'browse' }
  | {
      kind: 'text';
      field: EditorField;
      /** The OU or account index for ouName / accountName / accountEmail, else -1. */
      index: number;
      draft: TextField;
      /** The value when the edit began, restored by Esc. */
      original: string;
      /** The blueprint when the edit began; the draft is applied to it on every keystroke. */
      before: Blueprint;
      /** An OU or account being added: Esc removes it again. */
      adding: boolean;
      /** For an account being added: its OU. */
      ou: string;
      /** Where the cursor goes back to when an add is cancelled. */
      cursorBefore: number;
    }
  | { kind: 'ou-picker'; account: number; choice: number }
  | { kind: 'regions'; choice: number; options: string[]; selected: string[]; error: string | undefined }
  | { kind: 'confirm'; action: { kind: 'preset'; name: PresetName } | { kind: 'load'; path: string } };

/** Values switched off in the form, kept so that switching them on again restores them. */
export interface EditorMemory {
  ciOidc?: CiOidc;
  ref?: string;
  environment?: string;
  url?: string;
  table?: string;
  trail?: OrganizationTrail;
  terraform?: TerraformSettings;
}

export interface EditorState {
  blueprint: Blueprint;
  /** Where the blueprint came from: `preset standard` or a file path. */
  source: string;
  /** The preset the blueprint came from, when it did. */
  preset: PresetName | undefined;
  /** JSON of the blueprint as loaded, to tell whether it has been edited since. */
  baseline: string;
  /** JSON of the blueprint as last saved, to tell whether quitting would lose edits. */
  saved?: string;
  savePath: string;
  loadPath: string;
  /** The address accounts' emails are generated from by plus-addressing. */
  baseEmail: string;
  managementAccountId: string | undefined;
  partition: string | undefined;
  /** Index of the focused row. */
  cursor: number;
  mode: EditorMode;
  status: Notice | undefined;
  /** The last HeadBucket result, for the bucket it was asked about. */
  bucket: { name: string; availability: BucketAvailability } | undefined;
  /** The save target exists and the operator was told: the next `s` overwrites it. */
  overwrite: boolean;
  memory: EditorMemory;
  /** Placeholder values (example.com emails, change-me names) are problems, except in a rehearsal. */
  placeholders: 'allow' | 'refuse';
}

export type EditorIntent =
  | { kind: 'check-bucket'; bucket: string }
  | { kind: 'load-file'; path: string }
  | { kind: 'save'; path: string; blueprint: Blueprint; overwrite: boolean }
  | { kind: 'continue'; blueprint: Blueprint }
  | { kind: 'back' };

export type EditorEvent =
  | { kind: 'bucket-checked'; bucket: string; availability: BucketAvailability }
  | { kind: 'loaded'; path: string; blueprint: Blueprint }
  | { kind: 'load-failed'; message: string }
  | { kind: 'saved'; path: string }
  | { kind: 'save-failed'; message: string; exists: boolean };

export interface EditorProblem {
  path: string;
  message: string;
  fix: string;
}

export type Outcome = KeyOutcome<EditorState, EditorIntent>;

export type TextMode = Extract<EditorMode, { kind: 'text' }>;
