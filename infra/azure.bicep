// CPOR explained on Azure: App Service for Linux (Python), an Azure Bot with the Teams channel,
// Key Vault for the secrets, PostgreSQL Flexible Server (or SQLite on /home for one instance) and
// Log Analytics. docs/deploy.md walks through it.
//
// The file is infra/azure.bicep with infra/azure.parameters.json, the names Microsoft's Teams samples
// use (OfficeDev/Microsoft-Teams-Samples, samples/*/python/infra/), so the Teams and Agents toolkits'
// `arm/deploy` step and readers of those samples find it where they expect; `az deployment group create
// --template-file infra/azure.bicep --parameters @infra/azure.parameters.json` deploys it as well.
//
// Resource types and API versions, and where they come from:
// - Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31, Microsoft.Web/serverfarms@2021-02-01
//   (kind 'app,linux', reserved true) and Microsoft.Web/sites@2021-02-01 (alwaysOn, appCommandLine,
//   linuxFxVersion): OfficeDev/Microsoft-Teams-Samples,
//   samples/bot-auth-quickstart/python/bot-auth-quickstart/infra/azure.bicep.
// - Microsoft.Web/sites/config@2021-02-01 (name 'appsettings'): Learn, ARM template reference
//   https://learn.microsoft.com/azure/templates/microsoft.web/2021-02-01/sites/config-appsettings
// - The modules name theirs in their own headers.
//
// These templates are written against Microsoft's published samples and documentation and have not been
// deployed from this repository's CI: nothing there can compile Bicep or reach Azure.

@description('Base of every resource name: 4 to 20 lowercase letters, digits and hyphens. The web app, key vault and PostgreSQL server names built from it must be unique in Azure.')
@minLength(4)
@maxLength(20)
param resourceBaseName string

@description('Region of the resources (the Azure Bot itself is global).')
param location string = resourceGroup().location

@description('App Service plan size. B1 runs one instance; deployment slots need Standard or Premium (e.g. S1, P0v3).')
param webAppSku string = 'B1'

@description('Runtime stack of the web app, as App Service names it.')
param linuxFxVersion string = 'PYTHON|3.12'

@description('Name Teams shows for the bot.')
@maxLength(42)
param botDisplayName string

@description('Azure Bot pricing tier.')
@allowed([
  'F0'
  'S1'
])
param botServiceSku string = 'F0'

@description('SingleTenant: an Entra app registration in your tenant with a client secret (kept in Key Vault as bot-app-password). UserAssignedMSI: the managed identity this template creates; no secret, works only inside Azure.')
@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param botAppType string = 'SingleTenant'

@description('SingleTenant only: the app registration\'s application (client) id. Ignored with UserAssignedMSI.')
param botAppId string = ''

@description('SingleTenant only: the directory (tenant) id of the app registration. Default: this subscription\'s tenant.')
param botTenantId string = tenant().tenantId

@description('Address Teams, Outlook and customers use (https://host, no path); empty: the web app\'s own https://<name>.azurewebsites.net address. Becomes PUBLIC_URL and the messaging endpoint PUBLIC_URL/api/messages.')
param publicUrl string = ''

@description('The store: postgresql (Azure Database for PostgreSQL Flexible Server; any number of instances) or sqlite (a file on the app\'s /home share; exactly one instance, no deployment slots).')
@allowed([
  'postgresql'
  'sqlite'
])
param store string = 'postgresql'

@description('PostgreSQL administrator login (store postgresql).')
param postgresAdminLogin string = 'cporadmin'

@description('PostgreSQL administrator password (store postgresql): pass it on the command line, never in a file.')
@secure()
param postgresAdminPassword string = ''

@description('Whether each deployment writes DATABASE_URL (the administrator login) into the key vault secret database-url. Set false once the secret holds a URL of your own (another login, a restored server).')
param manageDatabaseUrlSecret bool = true

@description('PostgreSQL compute size.')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL compute tier matching postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('Days of PostgreSQL point-in-time backups, 7 to 35.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 14

@description('Object id of the operator (user or group) allowed to set secrets in the key vault; empty: grant it yourself.')
param secretsOfficerPrincipalId string = ''

@description('Whether secretsOfficerPrincipalId is a User or a Group.')
@allowed([
  'User'
  'Group'
])
param secretsOfficerPrincipalType string = 'User'

@description('SENDER_NAME: the organisation that runs the service, named on every card; empty when one partner runs it for itself.')
param senderName string = ''

@description('OPERATOR_CONTACT: email address or https address where customers and partners reach the operator.')
param operatorContact string = ''

@description('RETENTION_DAYS: days after its last change that a claim is deleted; 0 keeps claims until the operator deletes them.')
@minValue(0)
@maxValue(36500)
param retentionDays int = 0

@description('SMTP_HOST: the mail relay; empty writes .eml files to /home/data/outbox instead of sending.')
param smtpHost string = ''

@description('SMTP_PORT of the relay.')
param smtpPort int = 587

@description('SMTP_USERNAME; when set, the password is the key vault secret smtp-password.')
param smtpUsername string = ''

@description('MAIL_FROM: the sender address (its domain needs SPF, DKIM and DMARC at the relay).')
param mailFrom string = ''

@description('MAIL_FROM_NAME; empty: the partner\'s name.')
param mailFromName string = ''

@description('OUTLOOK_ORIGINATOR: the Actionable Messages provider id; empty: Outlook shows no card.')
param outlookOriginator string = ''

@description('LOG_LEVEL of the service.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string = 'INFO'

@description('SHUTDOWN_GRACE_SECONDS: on SIGTERM, how long sends already in hand may take.')
@minValue(0)
@maxValue(600)
param shutdownGraceSeconds int = 20

@description('Days Log Analytics keeps the logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Further app settings, name to value (see "Settings set by hand" in docs/deploy.md). They win over the ones above. Settings set with az webapp config appsettings set alone are replaced by the next deployment of this template: keep them here.')
param extraAppSettings object = {}

@description('Tags for every resource.')
param tags object = {}

var webAppName = resourceBaseName
var keyVaultName = '${resourceBaseName}-kv'
var usesPostgres = store == 'postgresql'
var servicePublicUrl = empty(publicUrl) ? 'https://${webApp.properties.defaultHostName}' : publicUrl
// A Key Vault reference resolved by App Service with the identity in keyVaultReferenceIdentity.
var keyVaultReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName='

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-id'
  location: location
  tags: tags
}

resource serverfarm 'Microsoft.Web/serverfarms@2021-02-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  tags: tags
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2021-02-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    // No sticky sessions: any instance answers any request; the store is what they share.
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      alwaysOn: true
      appCommandLine: 'python app.py'
      linuxFxVersion: linuxFxVersion
      // 200 only when the store answers, migrations are current and the workers run.
      healthCheckPath: '/readyz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
    }
  }
}

module postgres './modules/postgres.bicep' = if (usesPostgres) {
  name: 'postgres'
  params: {
    serverName: '${resourceBaseName}-pg'
    location: location
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    backupRetentionDays: postgresBackupRetentionDays
    tags: tags
  }
}

module keyVault './modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    keyVaultName: keyVaultName
    location: location
    readerPrincipalId: identity.properties.principalId
    secretsOfficerPrincipalId: secretsOfficerPrincipalId
    secretsOfficerPrincipalType: secretsOfficerPrincipalType
    // The password is percent-encoded: libpq decodes it; sslmode=require keeps the connection on TLS.
    databaseUrl: usesPostgres && manageDatabaseUrlSecret ? 'postgresql://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.outputs.fullyQualifiedDomainName}/${postgres.outputs.databaseName}?sslmode=require' : ''
    tags: tags
  }
}

module monitoring './modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: '${resourceBaseName}-logs'
    location: location
    retentionInDays: logRetentionInDays
    webAppName: webApp.name
    tags: tags
  }
}

// The app settings. Every name here is one the service reads (bot/ops/config.py) or one App Service
// reads; tests/infra/test_settings.py holds the two to that.

// What App Service itself reads.
var platformSettings = {
  // Oryx builds the app on deployment; infra/appservice/prebuild.sh gives it the requirements.txt it needs.
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
  PRE_BUILD_COMMAND: 'sh infra/appservice/prebuild.sh'
  // A slot swap waits until /readyz answers 200 on the new code.
  WEBSITE_SWAP_WARMUP_PING_PATH: '/readyz'
  WEBSITE_SWAP_WARMUP_PING_STATUSES: '200'
  // A (re)started or added instance gets requests once /readyz answers 200, not at its first answer.
  WEBSITE_WARMUP_PATH: '/readyz'
  WEBSITE_WARMUP_STATUSES: '200'
}

var serviceSettings = {
  // App Service forwards requests to port 8000 of a Python app's container.
  HOST: '0.0.0.0'
  PORT: '8000'
  PUBLIC_URL: servicePublicUrl
  LOG_FORMAT: 'json'
  LOG_LEVEL: logLevel
  SHUTDOWN_GRACE_SECONDS: string(shutdownGraceSeconds)
  SENDER_NAME: senderName
  OPERATOR_CONTACT: operatorContact
  RETENTION_DAYS: string(retentionDays)
  // /home is the app's persistent share: .eml files written there (no SMTP_HOST) survive a restart.
  MAIL_OUTBOX_DIR: '/home/data/outbox'
}

var botSettings = botAppType == 'SingleTenant' ? {
  MicrosoftAppType: 'SingleTenant'
  MicrosoftAppId: botAppId
  MicrosoftAppTenantId: botTenantId
  MicrosoftAppPassword: '${keyVaultReference}bot-app-password)'
} : {
  MicrosoftAppType: 'UserAssignedMSI'
  MicrosoftAppId: identity.properties.clientId
  MicrosoftAppTenantId: identity.properties.tenantId
}

var storeSettings = usesPostgres ? {
  DATABASE_URL: '${keyVaultReference}database-url)'
} : {
  // Four slashes: an absolute path, on the persistent /home share.
  DATABASE_URL: 'sqlite:////home/data/cpor-bot.db'
}

var mailSettings = {
  SMTP_HOST: smtpHost
  SMTP_PORT: string(smtpPort)
  SMTP_USERNAME: smtpUsername
  MAIL_FROM: mailFrom
  MAIL_FROM_NAME: mailFromName
  OUTLOOK_ORIGINATOR: outlookOriginator
}

var smtpPasswordSettings = empty(smtpUsername) ? {} : {
  SMTP_PASSWORD: '${keyVaultReference}smtp-password)'
}

// The keys that sign each contact's web link: the same on every instance and across deployments.
var linkSettings = {
  LINK_KEYS: '${keyVaultReference}link-keys)'
}

resource webAppSettings 'Microsoft.Web/sites/config@2021-02-01' = {
  parent: webApp
  name: 'appsettings'
  properties: union(platformSettings, serviceSettings, botSettings, storeSettings, mailSettings, smtpPasswordSettings, linkSettings, extraAppSettings)
  // The identity must be allowed to read the vault before App Service resolves the references.
  dependsOn: [
    keyVault
  ]
}

module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: resourceBaseName
    botDisplayName: botDisplayName
    botServiceSku: botServiceSku
    messagingEndpoint: '${servicePublicUrl}/api/messages'
    botAppType: botAppType
    botAppId: botAppType == 'UserAssignedMSI' ? identity.properties.clientId : botAppId
    botTenantId: botAppType == 'UserAssignedMSI' ? identity.properties.tenantId : botTenantId
    identityResourceId: identity.id
    tags: tags
  }
}

@description('Name of the web app (for az webapp commands).')
output webAppName string = webApp.name

@description('The web app\'s own address.')
output appUrl string = 'https://${webApp.properties.defaultHostName}'

@description('PUBLIC_URL as set on the app.')
output publicUrl string = servicePublicUrl

@description('The bot\'s messaging endpoint.')
output messagingEndpoint string = '${servicePublicUrl}/api/messages'

@description('The bot\'s app id (MicrosoftAppId): build the Teams app package with it.')
output botAppId string = botAppType == 'UserAssignedMSI' ? identity.properties.clientId : botAppId

@description('Name of the key vault holding bot-app-password, smtp-password, link-keys and database-url.')
output keyVaultName string = keyVault.outputs.name

@description('Host name of the PostgreSQL server; empty with SQLite.')
output postgresHost string = usesPostgres ? postgres.outputs.fullyQualifiedDomainName : ''

@description('Name of the Log Analytics workspace with the app\'s logs.')
output logAnalyticsWorkspaceName string = monitoring.outputs.workspaceName
