<#
.SYNOPSIS
    Make one installed language the default for the system, the welcome screen and new users.
.PARAMETER Language
    A language tag that is installed (installLanguagePacks), e.g. en-GB.
#>
param(
    [Parameter(Mandatory)][string]$Language
)
$ErrorActionPreference = 'Stop'
Import-Module LanguagePackManagement
Set-SystemPreferredUILanguage -Language $Language
Set-WinSystemLocale -SystemLocale $Language
Set-WinUILanguageOverride -Language $Language
Set-WinUserLanguageList -LanguageList $Language -Force
Set-Culture -CultureInfo $Language
Set-WinHomeLocation -GeoId ([System.Globalization.RegionInfo]::new($Language).GeoId)
Copy-UserInternationalSettingsToSystem -WelcomeScreen $true -NewUser $true
Write-Output "Default language: $Language"
