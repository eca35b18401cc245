/**
 * AWS Region names, by partition. A typo in a region lock denies every regional call in the
 * accounts it covers, so the blueprint accepts only names from this list.
 *
 * When AWS opens a Region, add it here; nothing else needs to change.
 */

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-eusc';

const REGIONS_BY_PARTITION: Readonly<Record<Partition, readonly string[]>> = {
  aws: [
    'us-east-1', // N. Virginia
    'us-east-2', // Ohio
    'us-west-1', // N. California
    'us-west-2', // Oregon
    'af-south-1', // Cape Town
    'ap-east-1', // Hong Kong
    'ap-east-2', // Taipei
    'ap-south-1', // Mumbai
    'ap-south-2', // Hyderabad
    'ap-northeast-1', // Tokyo
    'ap-northeast-2', // Seoul
    'ap-northeast-3', // Osaka
    'ap-southeast-1', // Singapore
    'ap-southeast-2', // Sydney
    'ap-southeast-3', // Jakarta
    'ap-southeast-4', // Melbourne
    'ap-southeast-5', // Malaysia
    'ap-southeast-6', // New Zealand
    'ap-southeast-7', // Thailand
    'ca-central-1', // Canada (Central)
    'ca-west-1', // Calgary
    'eu-central-1', // Frankfurt
    'eu-central-2', // Zurich
    'eu-west-1', // Ireland
    'eu-west-2', // London
    'eu-west-3', // Paris
    'eu-south-1', // Milan
    'eu-south-2', // Spain
    'eu-north-1', // Stockholm
    'il-central-1', // Tel Aviv
    'me-south-1', // Bahrain
    'me-central-1', // UAE
    'mx-central-1', // Mexico (Central)
    'sa-east-1', // São Paulo
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-eusc': ['eusc-de-east-1'], // AWS European Sovereign Cloud (Brandenburg)
};

export const PARTITIONS = Object.keys(REGIONS_BY_PARTITION) as Partition[];

/** Every Region name, commercial first. */
export const REGIONS: readonly string[] = PARTITIONS.flatMap((p) => REGIONS_BY_PARTITION[p]);

const regionSet = new Set(REGIONS);

export function isRegion(name: unknown): name is string {
  return typeof name === 'string' && regionSet.has(name);
}

/**
 * The partition a Region belongs to, or undefined for an unknown name. An organization lives in
 * one partition, so an SCP can only ever allow Regions of that partition.
 */
export function partitionOf(region: string): Partition | undefined {
  return PARTITIONS.find((p) => REGIONS_BY_PARTITION[p].includes(region));
}
