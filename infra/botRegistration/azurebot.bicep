// The Azure Bot resource and its Teams channel, in the layout of Microsoft's Teams samples
// (OfficeDev/Microsoft-Teams-Samples, samples/*/infra/botRegistration/azurebot.bicep).
//
// Resource types and API versions:
// - Microsoft.BotService/botServices@2022-09-15 and botServices/channels@2022-09-15: Learn, ARM template
//   reference https://learn.microsoft.com/azure/templates/microsoft.botservice/2022-09-15/botservices
//   and .../2022-09-15/botservices/channels (msaAppType SingleTenant or UserAssignedMSI, msaAppTenantId,
//   msaAppMSIResourceId), as Microsoft's Teams samples use them.
//
// Azure has refused to create multi-tenant bots since 31 July 2025, so only SingleTenant and
// UserAssignedMSI are offered. Customers in other tenants still reach a single-tenant bot.
//
// The Outlook channel (Actionable Messages) is connected by hand in the portal, to a provider
// registered in the Actionable Email Developer Dashboard: see docs/deploy.md.

@description('Name of the Azure Bot resource (2 to 64 letters, digits, hyphens, underscores, periods).')
@minLength(2)
@maxLength(64)
param botServiceName string

@description('Name Teams shows for the bot.')
@maxLength(42)
param botDisplayName string

@description('Azure Bot pricing tier: F0 (free, standard channels such as Teams are free on it) or S1.')
@allowed([
  'F0'
  'S1'
])
param botServiceSku string = 'F0'

@description('Messaging endpoint: PUBLIC_URL + /api/messages.')
param messagingEndpoint string

@description('SingleTenant: an Entra app registration with a client secret. UserAssignedMSI: the managed identity below (works only inside Azure).')
@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param botAppType string

@description('The bot\'s app id: the app registration\'s client id (SingleTenant) or the managed identity\'s client id (UserAssignedMSI).')
param botAppId string

@description('Directory (tenant) id of the app registration or the managed identity.')
param botTenantId string

@description('Resource id of the user-assigned managed identity; used only with UserAssignedMSI.')
param identityResourceId string = ''

@description('Tags for the bot resources.')
param tags object = {}

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botServiceName
  location: 'global'
  kind: 'azurebot'
  tags: tags
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: botAppId
    msaAppType: botAppType
    msaAppTenantId: botTenantId
    msaAppMSIResourceId: botAppType == 'UserAssignedMSI' ? identityResourceId : null
  }
}

// Connect the bot to Microsoft Teams.
resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

@description('Name of the Azure Bot resource.')
output botServiceName string = botService.name
