/** Step 3: the OU tree, by path from the root. Never creates a second OU of the same name under one parent. */
import {
  CreateOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  type OrganizationalUnit,
} from '@aws-sdk/client-organizations';
import { PreconditionError } from '../core/errors.js';
import type { StepContext, Step } from './types.js';
import { awsorgTags, isAwsError, paginate } from './support.js';

export interface ObservedOus {
  organizationExists: boolean;
  /** Existing OU paths (only the branches the blueprint mentions are walked). */
  existing: string[];
}

interface CreateOu {
  path: string;
  name: string;
  parentPath: string | undefined;
}

export function parentPathOf(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

export async function listChildOus(ctx: StepContext, parentId: string): Promise<OrganizationalUnit[]> {
  return paginate(async (NextToken) => {
    const out = await ctx.session.send(
      'organizations',
      new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken }),
    );
    return { items: out.OrganizationalUnits, next: out.NextToken };
  });
}

/**
 * Walk the OU tree from the root, descending only into OUs the blueprint names, and record
 * every path -> id in ctx.state.ouIds.
 */
export async function discoverOus(ctx: StepContext, wanted: string[]): Promise<string[]> {
  const rootId = ctx.state.rootId;
  if (!rootId) return [];
  const wantedSet = new Set(wanted);
  const found: string[] = [];
  let level: Array<{ id: string; path: string | undefined }> = [{ id: rootId, path: undefined }];
  while (level.length > 0) {
    const next: typeof level = [];
    const children = await Promise.all(
      level.map(async (parent) => ({ parent, ous: await listChildOus(ctx, parent.id) })),
    );
    for (const { parent, ous } of children) {
      const seen = new Map<string, string>();
      for (const ou of ous) {
        if (!ou.Id || !ou.Name) continue;
        const path = parent.path ? `${parent.path}/${ou.Name}` : ou.Name;
        if (!wantedSet.has(path)) continue;
        if (seen.has(ou.Name)) {
          throw new PreconditionError(
            `Two OUs named "${ou.Name}" exist under ${parent.path ?? 'Root'} (${seen.get(ou.Name)} and ${ou.Id}); awsorg cannot tell which one the blueprint means.`,
            'Move the accounts out of one of them and delete it, then run bootstrap again.',
          );
        }
        seen.set(ou.Name, ou.Id);
        ctx.state.ouIds.set(path, ou.Id);
        found.push(path);
        next.push({ id: ou.Id, path });
      }
    }
    level = next;
  }
  return found;
}

export const organizationalUnitsStep: Step<ObservedOus, CreateOu> = {
  id: 'organizational-units',
  title: 'Organizational units',
  enabled: (loaded) => loaded.blueprint.organizationalUnits.length > 0,

  async observe(ctx) {
    if (!ctx.state.rootId) return { organizationExists: false, existing: [] };
    return { organizationExists: true, existing: await discoverOus(ctx, ctx.loaded.blueprint.organizationalUnits) };
  },

  plan(observed, { blueprint }) {
    const existing = new Set(observed.existing);
    // Parents before children: sort by depth, keeping the blueprint's order within a level.
    const byDepth = [...blueprint.organizationalUnits].sort((a, b) => a.split('/').length - b.split('/').length);
    return byDepth
      .filter((path) => !existing.has(path))
      .map((path) => {
        const parentPath = parentPathOf(path);
        const name = path.slice(path.lastIndexOf('/') + 1);
        return {
          key: `ou:${path}`,
          calls: ['organizations:CreateOrganizationalUnit'],
          summary: `Create OU ${path} under ${parentPath ?? 'Root'}`,
          data: { path, name, parentPath },
        };
      });
  },

  async apply(change, ctx) {
    const { path, name, parentPath } = change.data;
    const parentId = parentPath ? ctx.state.ouIds.get(parentPath) : ctx.state.rootId;
    if (!parentId)
      throw new PreconditionError(
        `The parent of OU ${path} (${parentPath ?? 'Root'}) does not exist yet.`,
        'Run bootstrap again.',
      );
    const findExisting = async () => (await listChildOus(ctx, parentId)).find((ou) => ou.Name === name);
    let id: string | undefined;
    try {
      const out = await ctx.session.send(
        'organizations',
        new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name, Tags: awsorgTags() }),
        {
          // A dropped connection may hide a create that happened: look before creating again.
          reconcile: async () => {
            const ou = await findExisting();
            return ou ? { OrganizationalUnit: ou, $metadata: {} } : undefined;
          },
        },
      );
      id = out.OrganizationalUnit?.Id;
    } catch (err) {
      if (!isAwsError(err, 'DuplicateOrganizationalUnitException')) throw err;
      id = (await findExisting())?.Id;
    }
    if (!id)
      throw new PreconditionError(`OU ${path} was created but could not be found again.`, 'Run bootstrap again.');
    ctx.state.ouIds.set(path, id);
  },
};
