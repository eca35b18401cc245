/** The tag on everything awsorg creates: the steps set it, and the Terraform hand-off writes it into the code. */
export const AWSORG_TAG_KEY = 'awsorg:managed-by';
export const AWSORG_TAG_VALUE = 'awsorg';
