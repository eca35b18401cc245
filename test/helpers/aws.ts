/** SDK clients pointed straight at moto, for tests that assert what the CLI left behind. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export interface Clients {
  organizations: OrganizationsClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  iam: IAMClient;
  cloudtrail: CloudTrailClient;
  sts: STSClient;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export function clientsFor(
  endpoint: string,
  credentials: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' },
): Clients {
  const config = { endpoint, region: 'us-east-1', credentials };
  return {
    organizations: new OrganizationsClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
    iam: new IAMClient(config),
    cloudtrail: new CloudTrailClient(config),
    sts: new STSClient(config),
  };
}

/** Clients acting in a member account through OrganizationAccountAccessRole (moto lets any id through). */
export async function memberClients(endpoint: string, accountId: string): Promise<Clients> {
  const sts = new STSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'awsorg-test',
    }),
  );
  const c = out.Credentials!;
  return clientsFor(endpoint, {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });
}
