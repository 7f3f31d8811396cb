<#
.SYNOPSIS
    Let FSLogix reach Azure Files with Microsoft Entra Kerberos (cloud-only identities).
#>
$ErrorActionPreference = 'Stop'
$kerberos = 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa\Kerberos\Parameters'
New-Item -Path $kerberos -Force | Out-Null
New-ItemProperty -Path $kerberos -Name 'CloudKerberosTicketRetrievalEnabled' -PropertyType DWord -Value 1 -Force | Out-Null
$account = 'HKLM:\SOFTWARE\Policies\Microsoft\AzureADAccount'
New-Item -Path $account -Force | Out-Null
New-ItemProperty -Path $account -Name 'LoadCredKeyFromProfile' -PropertyType DWord -Value 1 -Force | Out-Null
Write-Output 'Entra Kerberos ticket retrieval enabled'
