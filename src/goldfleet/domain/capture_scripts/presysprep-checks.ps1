# goldfleet pre-sysprep checks (read-only)
$ErrorActionPreference = 'Continue'
Write-Output "PendingReboot=$(Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending')"
Write-Output "UpdateReboot=$(Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired')"
Write-Output "BitLocker=$((Get-BitLockerVolume -MountPoint 'C:').ProtectionStatus)"
Write-Output "AvdAgent=$([bool](Get-Service -Name RDAgentBootLoader -ErrorAction SilentlyContinue))"
Write-Output "PackagesPlugins=$(Test-Path 'C:\Packages\Plugins')"
Write-Output "PartOfDomain=$((Get-CimInstance Win32_ComputerSystem).PartOfDomain)"
Write-Output "Domain=$((Get-CimInstance Win32_ComputerSystem).Domain)"
Write-Output "EntraJoined=$((dsregcmd /status | Select-String 'AzureAdJoined').ToString().Split(':')[1].Trim())"
Write-Output "Intune=$(Test-Path 'HKLM:\SOFTWARE\Microsoft\Enrollments\*')"
Write-Output "PerUserAppx=$((Get-AppxPackage -AllUsers | Where-Object { $_.PackageUserInformation.InstallState -notcontains 'Staged' -and -not (Get-AppxProvisionedPackage -Online | Where-Object DisplayName -eq $_.Name) }).Name -join ',')"
Write-Output "ImageState=$((Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State').ImageState)"
