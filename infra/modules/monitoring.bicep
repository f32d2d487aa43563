// Log Analytics: the app's console output (LOG_FORMAT=json, one JSON object a line), its HTTP log and
// the platform's log, sent there by a diagnostic setting on the web app.
//
// Resource types and API versions:
// - Microsoft.OperationalInsights/workspaces@2022-10-01: Learn, ARM template reference
//   https://learn.microsoft.com/azure/templates/microsoft.operationalinsights/2022-10-01/workspaces
// - Microsoft.Insights/diagnosticSettings@2021-05-01-preview: Learn, ARM template reference
//   https://learn.microsoft.com/azure/templates/microsoft.insights/2021-05-01-preview/diagnosticsettings
//   (log categories AppServiceConsoleLogs, AppServiceHTTPLogs, AppServicePlatformLogs: Learn,
//   "Enable diagnostics logging for apps in Azure App Service").
// - Microsoft.Web/sites@2021-02-01 (existing): as in OfficeDev/Microsoft-Teams-Samples,
//   samples/bot-auth-quickstart/python/bot-auth-quickstart/infra/azure.bicep.

@description('Name of the Log Analytics workspace.')
@minLength(4)
@maxLength(63)
param workspaceName string

@description('Location of the workspace.')
param location string

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Name of the web app whose logs go to the workspace.')
param webAppName string

@description('Tags for the workspace.')
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource webApp 'Microsoft.Web/sites@2021-02-01' existing = {
  name: webAppName
}

resource webAppLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: webApp
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Name of the Log Analytics workspace.')
output workspaceName string = workspace.name
