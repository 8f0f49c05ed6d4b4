# Statuses, the menu, the rows' own links, the first visit and the access log's reasons.

col-action = Action
row-open = Open
row-action-about = the mandate with { $other }: { $types }
period-stopped = from { $from }, stopped on { $on }
period-stopped-before = was to start on { $from }; stopped on { $on }

start-title = What you can do here
start-intro = You have no mandates yet. A mandate lets someone act in your name in a government service, or lets you act in someone else's.
start-give = Give someone the right to act for you, for example your accountant for your tax return: choose the service and what they may do, give their national number or enterprise number, and sign.
start-other-signs = The other party then signs it too. Only then is the mandate in force; until then you find it on this page, waiting for their signature. You can stop a mandate at any time.
start-receive = When someone gives you a mandate or asks you for one, it appears on this page, waiting for your signature. Once it is in force, you find it under "Mandates I may use".
start-button = Give a mandate

executor-own = Given to me
executor-enterprises = Given to an enterprise I am an executor of
executor-none = There is no mandate you may use now.

access-refused-no_executor_role = Refused: a mandate allows this to an enterprise, but this person is not its executor for it.
access-refused-pending_signature = Refused: the mandate still waits for a signature.
access-refused-not_yet_in_force = Refused: the mandate is signed, but its period has not begun.
access-refused-stopped = Refused: the mandate was stopped.
access-refused-expired = Refused: the mandate's period has ended.
access-refused-no_mandate = Refused: no mandate allows this person to do this for you.
