// Key Vault for the service's secrets, read by the app through Key Vault references.
//
// Resource types and API versions:
// - Microsoft.KeyVault/vaults@2023-07-01 and vaults/secrets@2023-07-01: Azure/azure-quickstart-templates,
//   quickstarts/microsoft.keyvault/key-vault-secret-create/main.bicep (RBAC authorization).
// - Microsoft.Authorization/roleAssignments@2022-04-01: Learn, ARM template reference
//   https://learn.microsoft.com/azure/templates/microsoft.authorization/2022-04-01/roleassignments
//   Role ids from Learn, "Azure built-in roles" (and the same quickstarts' key-vault-create-rbac/main.bicep):
//   Key Vault Secrets User 4633458b-17de-408a-b874-0445c86b69e6,
//   Key Vault Secrets Officer b86a8fe4-44ce-4948-aee5-eccb2c155cd7.

@description('Name of the key vault (3 to 24 letters, digits and hyphens, unique in Azure).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Location of the key vault.')
param location string

@description('Principal (object) id of the app\'s managed identity: it may read secrets.')
param readerPrincipalId string

@description('Object id of the operator (user or group) who sets the secrets by hand; empty: nobody is granted it here.')
param secretsOfficerPrincipalId string = ''

@description('Whether secretsOfficerPrincipalId is a User or a Group.')
@allowed([
  'User'
  'Group'
])
param secretsOfficerPrincipalType string = 'User'

@description('DATABASE_URL for PostgreSQL, stored as the secret database-url; empty: no such secret.')
@secure()
param databaseUrl string = ''

@description('Tags for the key vault.')
param tags object = {}

var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure roles, not access policies: the app's identity gets "Key Vault Secrets User".
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorSetsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  name: guid(vault.id, secretsOfficerPrincipalId, secretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficerRoleId)
    principalId: secretsOfficerPrincipalId
    principalType: secretsOfficerPrincipalType
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(databaseUrl)) {
  parent: vault
  name: 'database-url'
  properties: {
    value: databaseUrl
  }
}

@description('Name of the key vault.')
output name string = vault.name
