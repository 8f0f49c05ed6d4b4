# The warning before a session ends for want of activity, and the page after it did.
timeout-heading = You are about to be signed out
timeout-text = For your security, we will sign you out in { $minutes } minutes if you do nothing. Anything you have not sent will be lost.
timeout-text-one = For your security, we will sign you out in 1 minute if you do nothing. Anything you have not sent will be lost.
timeout-final = You have been signed in for as long as a session may last. Send what you are doing now: you will then need to sign in again.
timeout-stay = Stay signed in
timed-out-title = We signed you out
timed-out-body = For your security, we signed you out because you did nothing for { $minutes } minutes. Anything you had not sent was not kept. Sign in again to continue.
