// Azure Database for PostgreSQL Flexible Server: the shared store when more than one instance
// (or a `cpor-bot work` process) runs.
//
// Resource types and API versions:
// - Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01, flexibleServers/databases@2024-08-01 and
//   flexibleServers/firewallRules@2024-08-01: Learn, ARM template reference
//   https://learn.microsoft.com/azure/templates/microsoft.dbforpostgresql/2024-08-01/flexibleservers
//   (properties as in Azure/azure-quickstart-templates,
//   quickstarts/microsoft.dbforpostgresql/flexible-postgresql-with-aad/main.bicep, and the firewall rule
//   0.0.0.0-0.0.0.0 "all Azure-internal addresses" as documented in Azure/bicep-registry-modules,
//   avm/res/db-for-postgre-sql/flexible-server/firewall-rule/main.bicep).

@description('Name of the server (3 to 63 lowercase letters, digits and hyphens, unique in Azure).')
@minLength(3)
@maxLength(63)
param serverName string

@description('Location of the server.')
param location string

@description('Name of the database the service uses.')
param databaseName string = 'cpor'

@description('Administrator login; the service connects with it (see docs/deploy.md for a login of its own).')
param administratorLogin string

@description('Administrator password.')
@minLength(8)
@secure()
param administratorLoginPassword string

@description('Compute size, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string = 'Standard_B1ms'

@description('Compute tier matching skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string = 'Burstable'

@description('PostgreSQL major version.')
param postgresVersion string = '16'

@description('Storage in GiB.')
param storageSizeGB int = 32

@description('Days of automatic backups to keep (point-in-time restore window), 7 to 35.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 14

@description('Geo-redundant backups (chosen when the server is created; cannot be changed later).')
@allowed([
  'Disabled'
  'Enabled'
])
param geoRedundantBackup string = 'Disabled'

@description('Tags for the server.')
param tags object = {}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    createMode: 'Default'
    version: postgresVersion
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorLoginPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// Connections from Azure services (the web app) only; the password and TLS (sslmode=require) still apply.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

@description('Host name the service connects to.')
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName

@description('Name of the database.')
output databaseName string = database.name

@description('Name of the server.')
output serverName string = server.name
