<#
.SYNOPSIS
    Microsoft 365 Apps for enterprise (shared computer activation) with the Office Deployment
    Tool: only the listed apps, the others excluded.
.PARAMETER Apps
    Apps to keep: any of Access, Excel, OneNote, Outlook, PowerPoint, Publisher, Teams, Word.
#>
param(
    [string[]]$Apps = @('Excel', 'Outlook', 'PowerPoint', 'Word')
)
$ErrorActionPreference = 'Stop'
$all = @('Access', 'Excel', 'Groove', 'Lync', 'OneDrive', 'OneNote', 'Outlook', 'PowerPoint', 'Publisher', 'Teams', 'Word')
$excluded = ($all | Where-Object { $Apps -notcontains $_ } | ForEach-Object { "      <ExcludeApp ID=`"$_`" />" }) -join "`r`n"
$work = Join-Path $env:TEMP 'odt'
New-Item -Path $work -ItemType Directory -Force | Out-Null
Invoke-WebRequest -Uri 'https://officecdn.microsoft.com/pr/wsus/setup.exe' -OutFile "$work\setup.exe" -UseBasicParsing
$configuration = @"
<Configuration>
  <Add OfficeClientEdition="64" Channel="MonthlyEnterprise">
    <Product ID="O365ProPlusRetail">
      <Language ID="MatchOS" />
$excluded
    </Product>
  </Add>
  <Property Name="SharedComputerLicensing" Value="1" />
  <Updates Enabled="FALSE" />
  <Display Level="None" AcceptEULA="TRUE" />
</Configuration>
"@
Set-Content -Path "$work\configuration.xml" -Value $configuration -Encoding UTF8
Start-Process -FilePath "$work\setup.exe" -ArgumentList '/configure', "$work\configuration.xml" -Wait
Remove-Item -Path $work -Recurse -Force
Write-Output "Microsoft 365 Apps: $($Apps -join ', ')"
